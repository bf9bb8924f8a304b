"""Output formats: the report (Markdown, LaTeX/PDF, HTML), MathML, figures, and the terminal (walkthrough, live training display)."""
