from jobsmith.cli import main

main()
