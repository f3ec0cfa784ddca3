"""Stages 5-6, from numbers to pages: chapter parameters, glue, tables and charts, execution, books and reruns."""
