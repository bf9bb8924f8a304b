"""Explanations, in sympy and with no output format: the equations of a network structure, a step's sections, the gradient check, gradient descent on any function."""
