"""The offline eval suite: prompt versions × models × tones × cases, cached, scored and compared."""
