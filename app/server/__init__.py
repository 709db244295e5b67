"""certline-server: Certline's rules over HTTP for other systems (FastAPI on uvicorn).

One module per endpoint group (``api_serials``, ``streaming``, ``api_certificates``, ``api_documents``,
``api_lookup``), each thin: it checks the request's shape and calls the rule of app/ that the station and
certline-cli call. ``auth`` is the token gate, ``workers`` the database threads, ``errors`` the one shape of
every refusal, ``main`` the command.
"""
