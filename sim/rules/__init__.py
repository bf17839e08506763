"""The market rules: pure functions, arrays in and arrays out, each with its formula."""
