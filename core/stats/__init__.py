"""Statistics: adoption figures for ``stats``, the weekly digest and ``parvis report adoption``.

``figures`` holds the numbers as plain values, ``privacy`` the rule that no figure by department or role
is about fewer than ``[campaigns] anonymity_min`` people, ``activity``, ``groups``, ``campaigns`` and
``experts`` the SQL aggregates, ``service`` gathers them for one scope (the organisation, or the groups a
member belongs to), ``charts`` draws them (matplotlib, imported only when a chart is drawn),
``images`` keeps a chart a short while for a platform that fetches it by URL, ``commands`` is ``stats``
and ``digest`` the weekly message to animators and admins.
"""
