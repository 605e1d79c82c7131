"""What the tests share: payloads and assertions, the servers under test, and
stand-ins for peers that cannot run here."""
