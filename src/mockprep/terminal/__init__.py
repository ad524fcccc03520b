"""Everything drawn and read in the terminal (rich, prompt_toolkit); never touches the database."""
