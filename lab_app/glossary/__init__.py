"""The plain-words glossary: terms (plain data), links inside explainer texts, and a searchable dialog."""
