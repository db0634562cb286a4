// Validates an OCI bundle (config.json + rootfs) with runtime-tools' validate package.
package main

import (
	"fmt"
	"os"

	"github.com/opencontainers/runtime-tools/validate"
)

func main() {
	v, err := validate.NewValidatorFromPath(os.Args[1], false, "linux")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	if err := v.CheckAll(); err != nil {
		fmt.Println("invalid:", err)
		os.Exit(1)
	}
	fmt.Println("valid")
}
