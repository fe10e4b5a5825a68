"""`python -m coxa` does what the `coxa` console script does."""

from coxa.cli import main

if __name__ == "__main__":
    main()
