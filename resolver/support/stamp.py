"""The shipped rules as last validated: written by `UPDATE_GOLDEN=1 python -m pytest tests/test_startup_stamp.py`.

Each shipped rule file whose exact bytes (with the schemas and the package version) hash to its
entry here skips the JSON Schema check on a cache miss; the whole set, unchanged, skips the
cross-file checks too (resolver.rulebook.schema.stamped_files). Never edit by hand.
"""

VALIDATED: dict[str, str] = {
    "rules/architectures.generated.yaml": "450f6b68942eec38b357027cdde0a0591f5707cc75fc5cac6a38553e81dbed4d",
    "rules/architectures.yaml": "161ec098c040bd552c7e1aa116a892a608c8dc53487e06849434250982966e1f",
    "rules/auto_mappings.yaml": "b00a815e23e5fa502e91baa7cf6170a1b36916e66beac42899a2af3134f5b38a",
    "rules/fallback.yaml": "70a54784d3fe5ac8d688aa82c25e36c5e0819031daa1ea85c708ad8b2639e762",
    "rules/frameworks.yaml": "24c903a6a6590863f43a1d8990bdfc952488f1a7ca94994b9e405ee86446e06e",
    "rules/layouts.yaml": "10287e52223504c1b26214caf4c4aff0b89873d1df057815712527023bc043e7",
    "rules/libraries.yaml": "ccde9d7efd1c0fe6712353d715eb2c5fb6a8f8e134f6884b0ed8f7500246978c",
    "rules/model_types.yaml": "3bf985ad7e3d9a0604a60b40dfbe339d8a121b8eedfe2a1a253e17c051bffd1d",
    "rules/pipelines.generated.yaml": "4300dc8a5581df98ab08aa30125454cdd9e713656d23b508acf8a01a166222ea",
    "rules/tasks.yaml": "6ea7a7e4eb41804aed613909797108a52e7b00472a5c651d2e8363d423760534",
    "rules/units.yaml": "ca74083571a47d43b95a71c99e1613f789407231c96c2eea4a38fc1555420f6c",
    "rules/vocabularies.yaml": "127d72353adba5c4be2214195997dba548b1752e46eb2e8255c427419ff0947c",
}
VALIDATED_SET = "a8780befaa2e4f72c4471833e45b88ed94fcaba6ce4746c6572cc32b6be194ca"
