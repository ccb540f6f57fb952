"""Similar rows: the rows of a table nearest to one or several reference rows, each distance explained per
column, a 2-D map of the table, the result saved as a table, and the scikit-learn code that reproduces it."""

from workbench.similar.code import code
from workbench.similar.columns import weights
from workbench.similar.neighbours import Neighbours, clear_cache, find, suggest
from workbench.similar.projection import Projection, project
from workbench.similar.space import Space
from workbench.similar.store import save

__all__ = ["Neighbours", "Projection", "Space", "clear_cache", "code", "find", "project", "save", "suggest", "weights"]
