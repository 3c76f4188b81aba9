"""Checking the user's arrays once, at the boundary: a ValueError that names the argument."""
import numpy as np


def as_matrix(name, value, rows=None, rows_meaning="rows"):
    """`value` as a 2-D float64 array; a ValueError naming `name` when it cannot be one.

    Accepts any array-like of real numbers (lists, int or float32 arrays, any memory order);
    converts once. `rows`, when given, is the number of rows required.
    """
    try:
        array = np.asarray(value)
    except Exception as e:  # ragged lists and the like
        raise ValueError(f"{name}: not an array of numbers ({e})") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                     or array.dtype == bool):
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: expected real numbers, found dtype {array.dtype}") from None
    if np.iscomplexobj(array):
        raise ValueError(f"{name}: expected real numbers, found dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array, found shape {array.shape}")
    array = np.asarray(array, dtype=np.float64)
    if array.size and not np.all(np.isfinite(array)):
        what = "NaN" if np.isnan(array).any() else "infinity"
        raise ValueError(f"{name}: contains {what}")
    if rows is not None and array.shape[0] != rows:
        raise ValueError(f"{name}: expected {rows} {rows_meaning}, found shape {array.shape}")
    return array
