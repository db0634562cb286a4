/* A static helper run inside test containers for the attempts busybox cannot make:
 *   mhprobe ptrace PID   try PTRACE_ATTACH, print "ptrace=0" or "ptrace=<errno name>"
 *   mhprobe tiocsti      try to push a character into the terminal on fd 0
 *   mhprobe unshare      try unshare(CLONE_NEWUSER|CLONE_NEWNS)
 *   mhprobe dumpable     print prctl(PR_GET_DUMPABLE)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <termios.h>

static int report(const char *what, int rc) {
    if (rc == 0) printf("%s=0\n", what);
    else printf("%s=%s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "ptrace"))
        return report("ptrace", (int)ptrace(PTRACE_ATTACH, atoi(argv[2]), 0, 0) == -1 ? -1 : 0);
    if (argc >= 2 && !strcmp(argv[1], "tiocsti")) {
        char c = 'x';
        return report("tiocsti", ioctl(0, TIOCSTI, &c));
    }
    if (argc >= 2 && !strcmp(argv[1], "unshare"))
        return report("unshare", unshare(CLONE_NEWUSER | CLONE_NEWNS));
    if (argc >= 2 && !strcmp(argv[1], "dumpable")) {
        printf("dumpable=%d\n", prctl(PR_GET_DUMPABLE));
        return 0;
    }
    fprintf(stderr, "usage: mhprobe ptrace PID | tiocsti | unshare | dumpable\n");
    return 2;
}
