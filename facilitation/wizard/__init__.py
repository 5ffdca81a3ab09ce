"""The set-up wizard at /start/: an organizer answers seven steps (theme, orientation, privacy,
forums, recruitment, assessment rhythm, review), saved as a draft after each one, then launches
the community with everything it chose in one transaction (`launch.launch`)."""
