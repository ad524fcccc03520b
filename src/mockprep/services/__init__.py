"""Work that spans files and the database: bank syncing, the export file, the stats report."""
