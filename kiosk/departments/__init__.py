"""Departments (部门 / 实施主体): their credit codes, the import of a hall's lists, and who
may see which department's cases and figures."""
