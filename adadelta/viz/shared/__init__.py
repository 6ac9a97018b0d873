"""What every figure shares: the figure as plain data, styles, frames, animation, runs."""
