"""Stage 4, window and count: measures, slots, statistics, the pivot sensitivity sweep and the audit of stated numbers.
"""
