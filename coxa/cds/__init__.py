"""CDS Hooks 2.0 service: hip decision support as cards inside another system's patient view."""
