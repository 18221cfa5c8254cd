"""The programs of the PARSEC-style suite, one .c file each; shared by
bench/parsec/BUILD (which builds them) and tests/parsec/BUILD (which tests
each one)."""

PARSEC_PROGRAMS = [
    "blackscholes",
    "bodytrack",
    "canneal",
    "dedup",
    "ferret",
    "fluidanimate",
    "streamcluster",
    "swaptions",
]
