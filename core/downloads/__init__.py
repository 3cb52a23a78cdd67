"""Files Parvis serves by URL, each once and for a short while (a chart, a member's export)."""
