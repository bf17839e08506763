"""What a person sees: the HTML report, the slide deck, charts, the summary files."""
