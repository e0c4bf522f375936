"""The procps-compatible ps engine: options → Query → dump → select/sort/tree → text."""
