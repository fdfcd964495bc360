"""Layer 5, exercises: one module of checks per notebook, helpers.exercises.nb01 ... nb10.

A notebook imports its own module as `check` (`from helpers.exercises import nb03 as check`), so its
exercise cells read `check.own_paragraph_ranks(...)`. _verdict holds what every check shares: the
Verdict it returns and the "Correct: ..." / "Not yet: ..." line it prints. May import any layer.
"""
