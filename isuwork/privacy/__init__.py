"""The privacy layer: the gate every published number passes.

Primary and secondary suppression of small numbers (``suppression``, ``secondary``), the
:class:`~isuwork.privacy.protected.Protected` result that carries its threshold to tables and
charts, and the worker processes that protect large tables in parts (``processes``).
"""
