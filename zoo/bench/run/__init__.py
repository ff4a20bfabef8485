"""Running trials: one trial from data to record (`runner`, with how it trains in `training`
and its history in `history`), many of them with claims and progress (`trials`), in worker
processes or Ray (`executors`), reusing compiled models (`reuse`), with provenance
(`provenance`) and a Ctrl-C that cannot be lost (`interrupts`)."""
