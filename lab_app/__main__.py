import sys

from lab_app.app import main

if __name__ == "__main__":
    sys.exit(main())
