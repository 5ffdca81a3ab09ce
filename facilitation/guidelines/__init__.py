"""Community guidelines: the rules of the game the members write with their facilitators.

Drafted from a template in the community's language (`template.py`), kept with every revision,
published for everyone who sees the community and shown to newcomers on the community's home,
with a forum thread where members propose changes.
"""
