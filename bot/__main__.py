"""`python -m bot` runs the bot (polling; the sandbox when no BOT_TOKEN is set is `participa sandbox`)."""

from bot.cli import main

if __name__ == "__main__":
    main(["run"])
