"""The task-resolver command line: main.py parses and dispatches, common.py is shared, commands/ holds one module per subcommand."""
