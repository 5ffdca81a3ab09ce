"""The assessments' pages, one module per part; each module lists its own `urls`
(assessments/urls.py puts them together)."""
