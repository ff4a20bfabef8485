"""Jobs above the harness: making the shipped weights (`zoo.tools.weights`) and the FID
classifier (`zoo.tools.fid_classifier`). Nothing below imports them."""
