"""A tiny, hand-made data folder for the widget and chart tests.

The rows are invented for testing and follow the packaged schema; they are loaded through the
real :func:`summit_lessons.load`, so the fixtures have exactly the types the lessons see. Only
the tables the widgets and charts read are written (``load`` reads one table and its references).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from summit_lessons import load
from summit_lessons.datapackage import _packaged_descriptor_path

TABLES: dict[str, str] = {
    "sources": """source_id,title,kind,publisher,author,published,url,notes,origin
ref,Reference article,encyclopedia,Encyclopedia,,2025-11,https://example.org/ref,,seed
oped,Opinion piece,opinion,Newspaper,A. Writer,2025-08-16,https://example.org/oped,,seed
""",
    "people": """person_id,name,aliases,country,role,delegation,in_meeting,kind,source_ids
trump,Donald Trump,,United States,President of the United States,US,true,official,ref
putin,Vladimir Putin,,Russia,President of Russia,RU,true,official,ref
zelensky,Volodymyr Zelensky,,Ukraine,President of Ukraine,none,false,official,ref
""",
    "events": """event_id,seq,date,date_precision,end_date,time,time_approx,timezone,phase,category,title,summary,people,place,source_ids,date_note
crimea,10,2014,year,,,false,,background,military,Annexation of Crimea,Russia annexes Crimea.,,Crimea,ref,
invasion,20,2022-02-24,day,,,false,,background,military,Full-scale invasion,Russia invades Ukraine.,putin,Ukraine,ref,
talks-month,30,2025-08,month,,,false,,pre-summit,diplomacy,Contacts about a meeting,Envoys discuss a meeting.,trump;putin,,ref;oped,
announce,40,2025-08-08,day,,,false,,pre-summit,diplomacy,Summit announced,The meeting in Alaska is announced.,trump,Washington,ref,
landing,50,2025-08-15,day,,10:22,false,America/Anchorage,summit-day,diplomacy,Air Force One lands,The US president lands in Anchorage.,trump,Anchorage,ref,
arrival,60,2025-08-15,day,,10:54,true,America/Anchorage,summit-day,diplomacy,Russian president lands,The Russian president arrives.,putin,Anchorage,ref,
talks,70,2025-08-15,day,,11:32,true,America/Anchorage,summit-day,diplomacy,Talks begin,The delegations meet.,trump;putin,Anchorage,ref,
press,80,2025-08-15,day,,14:10,false,America/Anchorage,summit-day,media,Joint press appearance,Both leaders speak to the press.,trump;putin,Anchorage,ref,
white-house,90,2025-08-18,day,,13:15,false,America/New_York,aftermath,diplomacy,White House meeting,Leaders meet in Washington.,trump;zelensky,Washington,ref,
escape,100,2025-09,month,,,false,,aftermath,media,<b>Bold</b> & co,"A title with <b>markup</b> & an ampersand.",,,oped,
""",
    "claims": """claim_id,source_id,paragraph,claim,quote,claim_type,verdict,checked_against,explanation,loaded_words
c1,oped,1,The summit took place in Anchorage.,held in Anchorage,factual claim,corroborated,ref,The reference article gives the same place.,
c2,oped,2,The talks lasted about three hours.,about three hours,factual claim,partly-supported,ref,The article gives a different length.,
c3,oped,2,The talks ended with a signed agreement.,a signed agreement;ended with,factual claim,contradicted,ref,No agreement was signed.,
c4,oped,3,It was a <i>triumph</i>.,a <b>triumph</b>,opinion,opinion,ref,A judgement of the author.,triumph
c5,oped,4,A photo shows a different meeting.,Fist bump,caption,unrelated,ref,The caption is about an earlier meeting.,
c6,oped,5,The summit was the first in Alaska.,the first in Alaska,factual claim,corroborated,ref,The article agrees.,
""",
    "territory": """area,share_held_by_russia_pct,as_of,note,source_id
Area A,99,August 2025,,ref
Area B,75.5,August 2025,,ref
Area C,10,August 2025,Small share,ref
""",
    "offer_terms": """term_id,group,term,region,area_km2,area_approx,party_acting,reported_by,source_id
t1,territorial,Withdraw from the rest of a region,Region A,6600,true,Ukraine,A News Agency,ref
t2,territorial,Freeze the front line in two regions,Region B,1200,false,Russia,A News Agency,ref
t3,diplomatic,Recognition of a claim,,,false,not stated,A News Agency,ref
t4,territorial,Hand back small areas,Region C,400,true,Russia,A News Agency,ref
""",
    "deadlines": """deadline_id,announced_event_id,warning,stated_window,due,due_precision,due_basis,outcome_event_id,outcome,source_id
d1,announce,Agree a ceasefire,7 days,2025-08-15,day,computed,talks,The leaders met instead.,ref
d2,invasion,Stop the war,none,,,,,No outcome recorded.,ref
""",
}


def write(folder: Path, tables: dict[str, str] | None = None) -> Path:
    """Write the tiny tables (or replacements for some of them) into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(_packaged_descriptor_path(), folder / "datapackage.json")
    for name, text in {**TABLES, **(tables or {})}.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def frames(folder: Path) -> dict[str, pd.DataFrame]:
    """Every tiny table, loaded and typed by the package's own loader."""
    return {name: load(name, folder) for name in TABLES}
