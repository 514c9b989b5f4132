"""The data layer: from a municipality's export to a prepared, typed ISU frame.

Reading exports and writing files (``io``), mapping files (``mapping``), personnummer,
the column checks and derivations of preparation (``checks``, ``derive``, ``prepare``), and the
synthetic sample data with its answer key (``sample``, ``answer_key``).
"""
