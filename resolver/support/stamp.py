"""The shipped rules as last validated: written by `UPDATE_GOLDEN=1 python -m pytest tests/test_startup_stamp.py`.

Each shipped rule file whose exact bytes (with the schemas and the package version) hash to its
entry here skips the JSON Schema check on a cache miss; the whole set, unchanged, skips the
cross-file checks too (resolver.rulebook.schema.stamped_files). Never edit by hand.
"""

VALIDATED: dict[str, str] = {
    "rules/architectures.generated.yaml": "6aa7d1a1c0bcacfbda30d7dd88d43e4629efaff8c7de08b18cce9c16edddb4d7",
    "rules/architectures.yaml": "274d041304eae8e3e4f87e0136361292a78d438d73f76de966a3d44561b3615b",
    "rules/auto_mappings.yaml": "922f7be5e3bcb5e0256f1a46706e6a1c50a36dd247476f51fce21f0b1a86aa1b",
    "rules/fallback.yaml": "009d62b2ae163d6a9ad11afe9c13a101a2311431afe4a849850c5bc4a83800fa",
    "rules/frameworks.yaml": "70c89588713e065515185511a9176311e1464e75ffee40fed97651585bf309c6",
    "rules/layouts.yaml": "0f2222ab0e19984d0b8d19c1818246f725084cfb77f555314cd2297a8a08969a",
    "rules/libraries.yaml": "bb610fbb6259bcdae14133ee941e9b1aa5cffac12a9df2b945265c5339fbce93",
    "rules/model_types.yaml": "a93d2ab4622f520729881ca3b9c50f6cc98b24209e961ba4c8e41d04f6d1146f",
    "rules/pipelines.generated.yaml": "35c6454024c51bd8a4848085c09647ac12885f14898b28e0d87ec93cee554793",
    "rules/serving.yaml": "f1a3482abd6b8fdd00d42c7f025e76f335abd697555d3270ddf48b162a958e40",
    "rules/tasks.yaml": "d9c98f0439400456d24ba7cb2f26e31d74965bc8c7624d12e2660d2efe8e4f42",
    "rules/units.yaml": "3d9b93a8d5962119595ce58bc8500d9697edcbcf4b53c92e06d1f482e2487bbf",
    "rules/vocabularies.yaml": "30a38bd4f2f4c9b55c1b5ccdddc464042906342254ac904eb0d7dd742d495c3d",
}
VALIDATED_SET = "4ae511eb8cdc5c140a353c0902673cca73792dc67d49a73d6df84460de0d917d"
