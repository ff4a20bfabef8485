"""Planning a run: suites (TOML) and their profiles (`suite`), expanded into trials (`grid`),
each trial and its config hash (`trial`)."""
