"""The Selling Partner API side of Kontor: the production twin of sandbox/ (DESIGN §2.1-2.2).

errors (what can go wrong, in German for the user), credentials (refresh tokens encrypted),
oauth (consent URL, state, code exchange), spapi (the SDK client of one job run), documents
(pre-signed report downloads) and connections (a client's connection to a seller account).
"""
