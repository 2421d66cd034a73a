"""The plan layer: template compilation, the infill -> check -> remask loop, remask policies."""
