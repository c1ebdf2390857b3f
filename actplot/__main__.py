"""python -m actplot"""

from actplot.cli import main

main()
