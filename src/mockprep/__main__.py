from mockprep.cli import main

main()
