"""What every area shares about the tenant, below all of them: who is acting and with which
permissions, which accounts they may see, and the organisation's today. Areas depend on this
package instead of on each other (the layers are in pyproject.toml's [tool.importlinter])."""
