"""The curated knowledge base at /c/<slug>/knowledge/ (issue 16): facilitators promote threads,
posts, documents and featured value stories to knowledge entries, with a summary, tags, a
steward and a review date; published entries are members-only or, where the organizer allows
it, public, with an Atom feed."""
