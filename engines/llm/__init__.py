"""The LLM engine: tokenizers, n-gram tables, a story-world corpus and a small GPT you can train and inspect.

Modules are imported on use; importing this package loads neither torch nor tokenizers.
"""
