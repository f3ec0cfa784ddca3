"""Stage 4, window and count.

Measures, slots, statistics, the pivot sensitivity sweep and the audit of stated numbers.
"""
