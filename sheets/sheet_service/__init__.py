"""The orientation sheet of the scope check (issue 24): a PDF built, when asked for, from a verdict the
conversation holds (see docs/design.md, « Fiche d'orientation »)."""
