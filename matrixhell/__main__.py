from matrixhell.cli import main

raise SystemExit(main())
