"""What a run leaves behind: the typed trial record (`record`), the store of records under
`<out>/results/` (`store`) and the output folder's layout (`layout`)."""
