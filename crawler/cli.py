"""The ``conflict-feeds`` command: Scrapy's command line for this project, from any folder.

``conflict-feeds crawl sputnik`` is ``scrapy crawl sputnik`` run in the project folder, except that
relative paths (``output/``, ``-O feed.jsonl``, ``JOBDIR``) are in the folder it is run from. (``scrapy``
itself finds the project anywhere when ``SCRAPY_SETTINGS_MODULE=crawler.settings`` is set; this sets it.)
"""

from __future__ import annotations

import os

from scrapy.cmdline import execute


def main() -> None:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    execute()


if __name__ == "__main__":
    main()
