"""Deciding from stored records: which learning rate each cell gets (`tune`) and how many
seeds (`racing`). Both read validation metrics only."""
