"""Practice flows (sessions, mock rounds, story rehearsal) over a store and a UI protocol."""
