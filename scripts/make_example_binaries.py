#!/usr/bin/env python3
"""Generate the PDF and DOCX documents of the bundled example corpus.

The example corpus (examples/corpus/) is the invented knowledge base of a
fictional company, Larkspur Instruments. Most documents are plain text files
checked in as-is; the binary ones (.pdf, .docx) are produced by this script
from the text below, so that their content can be reviewed in diffs.

Usage:
    python scripts/make_example_binaries.py [--out examples/corpus]

Requirements: fpdf2 (PDF, core Helvetica font, so PDF text must be latin-1)
and python-docx. Output is deterministic: fixed creation dates in the PDF
metadata and DOCX core properties, and fixed timestamps inside the DOCX zip.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import docx
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FIXED_DATE = datetime(2026, 4, 30, 9, 0, 0, tzinfo=timezone.utc)
ZIP_DATE = (2026, 4, 30, 9, 0, 0)

# A document is a title, some metadata and a list of blocks:
#   ("h1" | "h2" | "h3", text)
#   ("p", text)
#   ("bullets", [text, ...])
#   ("table", [[header cells], [row cells], ...])

# --------------------------------------------------------------------------
# PDF documents (text must stay latin-1: no euro sign, no typographic dashes)
# --------------------------------------------------------------------------

PROCUREMENT_POLICY = {
    "path": "policies/procurement-policy.pdf",
    "title": "Procurement Policy",
    "author": "Bram De Smet, Procurement Lead",
    "blocks": [
        ("h1", "Procurement Policy"),
        ("p", "Policy ID FIN-POL-005 - Version 2.1 - Effective 1 March 2026. "
              "Owner: Bram De Smet (Procurement Lead, Operations & Supply Chain). "
              "Approved by: Marc Dubois (CFO). Classification: Internal."),
        ("h2", "1. Purpose and scope"),
        ("p", "This policy describes how Larkspur Instruments buys goods and services: "
              "lab equipment, software subscriptions, consultants, marketing services, "
              "office supplies and anything else that is not an out-of-pocket expense. "
              "Out-of-pocket spending (taxis, meals, small purchases at a counter) is "
              "covered by the Expense Policy and claimed in Tally. Production components "
              "and contract manufacturing for Meridian, Stratus, Relay and Tern products "
              "are bought by Supply Chain through the ERP under the supplier framework "
              "agreements, and follow the quality procedures of the Quality team rather "
              "than this policy."),
        ("p", "The policy applies to all Larkspur entities: Larkspur Instruments NV "
              "(Ghent), Larkspur Portugal Lda (Porto) and Larkspur Instruments Inc. "
              "(Austin). Amounts are in EUR excluding VAT; for USD purchases use the "
              "planning rate published by Finance each January (1.09 for 2026)."),
        ("h2", "2. Approval thresholds"),
        ("p", "The total value of a purchase is the full contract value over its whole "
              "duration, not the monthly or yearly amount. A three-year software "
              "subscription at EUR 6,000 per year is a EUR 18,000 purchase. Splitting "
              "a purchase into smaller orders to stay under a threshold is not allowed."),
        ("table", [
            ["Total value (excl. VAT)", "Quotes required", "Approval", "How"],
            ["below EUR 1,000", "none", "Budget owner (manager)", "Corporate card or Tally"],
            ["EUR 1,000 - 15,000", "2 written quotes", "Budget owner + Procurement",
             "PRC ticket in Quill"],
            ["EUR 15,000 - 75,000", "3 written quotes", "Department head + Finance controller",
             "PRC ticket + comparison sheet"],
            ["above EUR 75,000", "Formal tender (RFP)", "CFO and CEO",
             "PRC ticket + tender file, contract by Legal"],
        ]),
        ("p", "Quotes can be skipped for purchases from a preferred supplier (section 5) "
              "at the contracted price, and for renewals of an existing contract where "
              "the price increases by less than 5 %. Note the reason in the PRC ticket."),
        ("h2", "3. Process"),
        ("bullets", [
            "Open a PRC ticket in Quill with the form 'Purchase request (>= EUR 1,000)'. "
            "Add the business need, the quotes, the cost centre (see Org structure) "
            "and, for customer projects, the PRJ code.",
            "If the supplier will process Confidential or Restricted data, or if the "
            "purchase is software or a SaaS service, open a SEC ticket for a supplier "
            "security review first and reference it in the PRC ticket. Procurement "
            "will not issue a purchase order without the SEC ticket number "
            "(Information Security Policy, section 7).",
            "Contracts longer than one year, contracts with automatic renewal, and "
            "any contract that is not on our standard terms go to Legal (LEG ticket) "
            "for review. Only the CFO, the CEO and people with a written delegation "
            "may sign contracts.",
            "Procurement issues a purchase order (PO) from the ERP. The supplier must "
            "put the PO number on the invoice; invoices without a PO number are "
            "returned to the supplier.",
            "When goods arrive, the requester confirms receipt in the ERP within five "
            "working days. Lab equipment for Porto is received by the lab team "
            "(Tomas Ribeiro) and labelled with an asset tag.",
        ]),
        ("h2", "4. Software and SaaS"),
        ("p", "Before buying software, check the self-service catalogue and ask in "
              "#it-help: we often already have a licence. IT (Katrien Maes) keeps the "
              "software inventory. New SaaS tools must support single sign-on through "
              "Keyring; tools that cannot be connected to Keyring are only approved "
              "when there is no alternative, and then require a named owner who removes "
              "leavers by hand. Annual subscriptions above EUR 1,000 follow the "
              "thresholds of section 2."),
        ("h2", "5. Preferred suppliers"),
        ("table", [
            ["Supplier", "Category", "Contract until", "Contact at Larkspur"],
            ["Flanders Electronics Assembly (FEA), Kortrijk",
             "Contract manufacturing Meridian, Relay", "2028-12-31", "Wim Vandenberghe"],
            ["Precisao Eletronica, Braga",
             "Contract manufacturing Stratus", "2027-06-30", "Wim Vandenberghe"],
            ["Nordvik Sensors AB", "NDIR CO2 modules", "2027-12-31", "Bram De Smet"],
            ["Voyagium", "Travel agency", "2026-12-31", "Els Peeters"],
            ["Helix Logistics", "Couriers, dangerous goods (CK-1 gas)", "2027-03-31",
             "Logistics team"],
            ["Brightdesk Office BV", "Office furniture and supplies", "2026-09-30",
             "Office management Ghent"],
        ]),
        ("p", "Preferred supplier contracts are reviewed every year by Procurement and "
              "the budget owner. Suppliers of components and manufacturing services are "
              "audited by the Quality team at least every 24 months."),
        ("h2", "6. Payment terms"),
        ("p", "Standard payment terms are 30 days end of month for EU suppliers and net "
              "45 days for US suppliers. Advance payments require Finance approval and, "
              "above EUR 15,000, a bank guarantee. Small and medium-sized local "
              "suppliers may be paid at 30 days net on request."),
        ("h2", "7. Ethics, conflicts of interest and sustainability"),
        ("p", "Declare any personal relationship with a supplier in the PRC ticket and "
              "step out of the decision. Gifts from suppliers above EUR 50 must be "
              "declined or declared to Legal. We prefer suppliers that can show an "
              "environmental management system (ISO 14001 or equivalent), and all "
              "component suppliers must sign the Larkspur Supplier Code of Conduct, "
              "which covers conflict minerals, RoHS/REACH compliance and labour rights."),
        ("h2", "8. Exceptions"),
        ("p", "Urgent purchases during a SEV1 or SEV2 incident (for example replacement "
              "hardware for a Forge HIL rig or emergency cloud capacity) may be made "
              "first and documented within two working days, with the Nightjar incident "
              "ID in the PRC ticket. All other exceptions need written approval from "
              "the CFO before the order is placed."),
    ],
}

FIRMWARE_SIGNING = {
    "path": "tools/firmware-signing.pdf",
    "title": "Firmware Signing Procedure (sealer)",
    "author": "Rafal Nowak, Head of Security",
    "blocks": [
        ("h1", "Firmware Signing Procedure"),
        ("p", "Procedure SEC-PRC-010 - Version 1.4 - 20 February 2026. Owner: Rafal Nowak "
              "(Head of Security). Co-owner: Chloe Lefevre (Firmware Lead). "
              "Classification: Internal (key material details are Restricted and not "
              "included here)."),
        ("h2", "1. Why we sign firmware"),
        ("p", "Every Meridian, Stratus, Relay and Tern device verifies the signature of a "
              "firmware image in its bootloader before running it. A device only accepts "
              "images signed with the production key of its product family, or, when it "
              "is switched into developer mode with a physical jumper, the development "
              "key. This prevents anyone who gains access to Updraft, to a customer's "
              "network or to a device's BLE maintenance interface from installing "
              "malicious firmware. It also means that the production signing keys are "
              "the most sensitive secret the company has: a compromise would be a SEV1 "
              "security incident affecting every device in the field."),
        ("h2", "2. Keys and where they live"),
        ("table", [
            ["Key", "Purpose", "Location"],
            ["Root key", "Signs the product family keys; used once a year",
             "Offline, split into 3-of-5 smartcard shares in two bank safes (Ghent)"],
            ["MER production key", "Meridian 100/200/210 firmware", "HSM, Ghent secure room"],
            ["STR production key", "Stratus 400 firmware", "HSM, Ghent secure room"],
            ["RLY production key", "Relay GW3 / GW3-X firmware", "HSM, Ghent secure room"],
            ["TRN production key", "Tern TC-1 firmware", "HSM, Ghent secure room"],
            ["EDGE bundle key", "Offline update bundles for Canopy Edge", "HSM, Ghent secure room"],
            ["Development key", "Developer-mode devices, HIL rigs", "Forge (Keyring vault)"],
        ]),
        ("p", "The HSM is connected to a single air-gapped signing workstation running the "
              "sealer tool. Neither the workstation nor the HSM is connected to any "
              "network. Data enters and leaves through the transfer station next to the "
              "secure room, which scans and hashes every file."),
        ("h2", "3. Roles"),
        ("p", "Six signing officers each hold a personal smartcard for the HSM. Every "
              "signing operation needs two officers physically present in the secure "
              "room (two-person rule), of whom at least one must be from Security or "
              "Firmware management. The officers in 2026 are Rafal Nowak, Chloe Lefevre, "
              "Pieter Janssens, Ana Sousa, Joana Ferreira and Charlotte De Vos. Observers "
              "(for example new firmware engineers during onboarding) may attend when "
              "escorted and sign the visitor log."),
        ("h2", "4. Preconditions"),
        ("bullets", [
            "An approved CHG ticket in Quill for the release, approved by the Firmware "
            "Lead (or by the Incident Commander for an emergency release).",
            "An unsigned artifact in Forge built from a tagged commit on the main "
            "branch, with a green pipeline including the HIL stage (ota-upgrade suite).",
            "The SBOM generated by Forge for that build, and release notes.",
            "For Relay releases: confirmation from Product Management that the "
            "compatibility matrix has been updated.",
        ]),
        ("h2", "5. Signing ceremony, step by step"),
        ("bullets", [
            "Book the secure room in the calendar 'Ghent - Secure room' and invite a "
            "second signing officer. Normal ceremonies take place on Tuesdays and "
            "Thursdays at 14:00 CET.",
            "At the transfer station, download the artifact and SBOM from Forge with "
            "'forge artifact pull <repo> --tag <version>'. The station prints the "
            "SHA-256 hash; both officers compare it with the hash shown in Forge.",
            "Copy the files to the signing workstation with the dedicated write-once "
            "USB medium. Run 'sealer verify-input --sbom sbom.json image.bin'.",
            "Run 'sealer sign --family MER --version 4.3.2 --change CHG-3512 image.bin'. "
            "Both officers insert their smartcards and enter their PINs when prompted.",
            "Run 'sealer export --to /media/out' to write the signed image, the "
            "detached signature and the ceremony log entry.",
            "Back at the transfer station, upload the signed image to Updraft with "
            "'updraft upload --signed image.signed.bin'. Updraft re-verifies the "
            "signature with the public key before accepting it.",
            "Both officers sign the paper logbook; sealer's audit log is kept "
            "permanently in line with the Data Retention Policy.",
        ]),
        ("h2", "6. Emergency signing"),
        ("p", "For a SEV1 or SEV2 incident that requires a firmware fix outside the normal "
              "schedule, the Incident Commander pages the security rotation in Nightjar, "
              "which reaches a signing officer at any hour. The on-call security engineer "
              "finds a second officer through the officer phone list kept in the secure "
              "room safe and in 1Password. The Meridian 4.3.1 recovery image in January "
              "2026 was signed this way at 18:30 on the day of the incident."),
        ("h2", "7. Key rotation and compromise"),
        ("p", "Product family keys are rotated every year in January; devices receive the "
              "new public key with a firmware update signed by the old key, and the root "
              "key signs the new family key. If a key is suspected to be compromised, "
              "declare a SEV1 security incident immediately: Updraft stops all campaigns, "
              "the key is revoked by a revocation list signed by the root key, and a "
              "replacement key is issued in an emergency root key ceremony, which needs "
              "three of the five root key share holders."),
        ("h2", "8. What sealer will refuse"),
        ("bullets", [
            "An image whose version is lower than or equal to the last signed version of "
            "the same family (anti-rollback), unless the --recovery flag is used by two "
            "officers from Security.",
            "A CHG ticket number that is not in the ticket list exported from Quill that "
            "morning.",
            "A family that does not match the image header (for example a Stratus image "
            "with --family MER).",
        ]),
    ],
}

PRODUCT_LIFECYCLE = {
    "path": "products/product-lifecycle-eol.pdf",
    "title": "Product Lifecycle and End-of-Life Policy",
    "author": "Product Management",
    "blocks": [
        ("h1", "Product Lifecycle and End-of-Life Policy"),
        ("p", "Policy PM-POL-002 - Version 1.2 - 15 January 2026. Owner: Nadia Haddad, "
              "Head of Product Management. Approved by the management team on "
              "9 December 2025."),
        ("h2", "1. Purpose"),
        ("p", "Our customers install devices in buildings and on city streets for many "
              "years. They need to know how long a product will be sold, supported and "
              "updated, so that they can plan budgets and replacements. This policy "
              "defines the lifecycle phases of Larkspur hardware products and their "
              "firmware, and what we promise in each phase. Canopy plans are covered by "
              "their own terms; changes to Canopy plans are announced 90 days ahead."),
        ("h2", "2. Lifecycle phases"),
        ("table", [
            ["Phase", "Meaning", "What customers get"],
            ["Active", "Product is sold and developed",
             "New features, bug fixes, security fixes"],
            ["End-of-sale announced", "Date of end of sale is published (at least 6 months ahead)",
             "Last-time-buy window, trade-in offer"],
            ["End of sale", "No new orders; spare parts and RMA continue",
             "Bug fixes for critical issues, security fixes"],
            ["End of support", "At least 24 months after end of sale",
             "No more firmware updates; RMA ends; Canopy keeps accepting data"],
            ["End of life", "Canopy may stop accepting data (announced 12 months ahead)",
             "Data export"],
        ]),
        ("h2", "3. Current status of products"),
        ("table", [
            ["Product", "SKU", "Status", "End of sale", "End of support"],
            ["Meridian 100", "LSP-MER-100", "End-of-sale announced", "2026-06-30", "2028-06-30"],
            ["Meridian 200", "LSP-MER-200", "Active", "-", "-"],
            ["Meridian 210 Pro", "LSP-MER-210", "Active", "-", "-"],
            ["Stratus 400 / 400 LTE", "LSP-STR-400(-LTE)", "Active", "-", "-"],
            ["Stratus 300 (legacy)", "LSP-STR-300", "End of support", "2022-12-31", "2025-12-31"],
            ["Relay GW2 (legacy)", "LSP-RLY-GW2", "End of support", "2023-06-30", "2025-12-31"],
            ["Relay GW3 / GW3-X", "LSP-RLY-GW3(X)", "Active", "-", "-"],
            ["Tern TC-1", "LSP-TRN-TC1", "Active", "-", "-"],
        ]),
        ("p", "Meridian 100: the end of sale was announced to customers on 1 December 2025. "
              "Because Meridian 100 devices depend on the legacy decoder in Relay "
              "firmware 2.8.x, the Relay 2.8 branch receives security fixes until the "
              "Meridian 100 end of support on 30 June 2028, even though Relay 3.0 is "
              "the current release. See the compatibility matrix and the Relay gateway "
              "page."),
        ("h2", "4. Firmware support"),
        ("bullets", [
            "For active products we support the latest two minor releases of the current "
            "major version (for Meridian in April 2026: 4.2 and 4.3). Older 4.x releases "
            "are updated through Updraft campaigns.",
            "The previous major version receives security fixes for at least 12 months "
            "after the new major version is released. For Meridian 3.x this ends on "
            "31 December 2026.",
            "Security fixes are released within 30 days for high and 7 days for critical "
            "vulnerabilities (Information Security Policy, section 8).",
            "Withdrawn releases (such as Meridian 4.3.0) are never offered again by "
            "Updraft and devices on them are upgraded with priority.",
        ]),
        ("h2", "5. Customer communication"),
        ("p", "An end-of-sale announcement consists of an e-mail to all account "
              "administrators in Canopy with affected devices, a banner in Canopy, a "
              "notice on the website and a briefing for Sales and Support. Enterprise "
              "customers are informed personally by their TAM before the public "
              "announcement. The announcement states the replacement product, the "
              "end-of-sale and end-of-support dates, and the trade-in offer."),
        ("p", "Standard trade-in: 20 % credit on the replacement product for each device "
              "returned before the end of the calendar year of the end of sale. For "
              "Meridian 100 this means returns until 31 December 2026, credited against "
              "Meridian 200 purchases. Returned devices are recycled under the WEEE "
              "scheme by our logistics partner."),
        ("h2", "6. Spare parts and repairs"),
        ("p", "Spare parts and repairs are available until end of support. Stratus gas "
              "sensor cartridges are available for 5 years after end of sale, because "
              "they are consumables. After end of support, Support can still help with "
              "configuration questions on a best-effort basis but does not open RMAs."),
        ("h2", "7. Decision process"),
        ("p", "The product manager proposes an end of sale with a business case "
              "(installed base from Cistern, revenue, cost of continued support, "
              "component availability). The management team decides. The decision is "
              "recorded in the product lifecycle register and the price list is updated "
              "with the end-of-sale status."),
    ],
}

BENEFITS = {
    "path": "handbook/benefits-overview.pdf",
    "title": "Benefits overview 2026",
    "author": "People Operations",
    "blocks": [
        ("h1", "Benefits Overview 2026"),
        ("p", "Prepared by People Operations (Ines Moreau) - valid from 1 January 2026. "
              "This overview summarises benefits per country. The binding rules are in "
              "your employment contract, the applicable collective agreements and the "
              "plan documents in Hearth. Questions: #ask-people or a PEO ticket in Quill."),
        ("h2", "Benefits for everyone"),
        ("bullets", [
            "26 days of annual leave (see the Leave Policy), plus the company closure "
            "between Christmas and New Year.",
            "Learning budget of EUR 1,200 per person per year for courses, conferences "
            "and books.",
            "Home office: one-off equipment budget of EUR 600 and a monthly allowance "
            "depending on the country (see the Remote Work Policy).",
            "Referral bonus of EUR 1,500 gross (EUR 2,500 for firmware and platform "
            "roles) after the new colleague completes the trial period.",
            "Employee discount: 50 % on Meridian devices and Canopy Basic for personal "
            "use, up to two devices per year.",
            "Two paid volunteering days per year, including Clean Air Day in September.",
            "On-call allowance for engineers on Nightjar rotations: EUR 35 per weekday, "
            "EUR 60 per weekend day or public holiday (USD 40 / USD 70 in the US).",
            "Sabbatical of up to three months unpaid leave after three years of service.",
        ]),
        ("h2", "Belgium (Larkspur Instruments NV)"),
        ("table", [
            ["Benefit", "Details"],
            ["Meal vouchers", "EUR 8.00 per working day (employee contribution EUR 1.09)"],
            ["Eco vouchers", "EUR 250 per year, paid in June"],
            ["Group insurance (pension)", "Employer contribution 4 % of gross salary, "
             "death-in-service cover 3x annual salary"],
            ["Hospitalisation insurance", "Employee, partner and children covered by the company"],
            ["Mobility", "Company car or mobility budget for eligible roles; bike leasing "
             "for everyone; public transport reimbursed at 100 %"],
            ["Home office allowance", "EUR 150 per month (tax-free, for employees who work "
             "from home structurally)"],
            ["Internet and phone", "EUR 20 per month for internet; company phone for "
             "on-call and field roles"],
            ["ADV days", "12 days per year (39-hour week)"],
        ]),
        ("h2", "Portugal (Larkspur Portugal Lda)"),
        ("table", [
            ["Benefit", "Details"],
            ["Meal allowance", "EUR 10.20 per working day on a meal card"],
            ["Health insurance", "Private health insurance for employee, spouse and children, "
             "including dental"],
            ["Life insurance", "2x annual salary"],
            ["Home office allowance", "EUR 40 per month"],
            ["Holiday and Christmas subsidies", "Paid in June and November, as required by law"],
            ["Birthday", "Afternoon off on your birthday"],
        ]),
        ("h2", "United States (Larkspur Instruments Inc.)"),
        ("table", [
            ["Benefit", "Details"],
            ["Medical, dental, vision", "Company pays 90 % of the premium for employees and "
             "75 % for dependants"],
            ["401(k)", "100 % match on the first 4 % of salary, immediate vesting"],
            ["PTO", "26 days in total (15 PTO + 11 company days), including up to 5 sick days"],
            ["Parental leave", "16 weeks at full salary for the birthing parent, 5 weeks for "
             "the second parent"],
            ["Home office allowance", "USD 75 per month"],
            ["Commuter benefits", "Pre-tax transit and parking in Austin"],
        ]),
        ("h2", "Changes in 2026"),
        ("bullets", [
            "Belgian meal vouchers increased from EUR 7.50 to EUR 8.00.",
            "The US 401(k) match increased from 3 % to 4 %.",
            "Bike leasing is now available in Portugal as well (pilot in Porto).",
            "A proposal to increase the on-call weekend allowance is under discussion "
            "with the management team; until a decision is announced, the current rates "
            "apply.",
        ]),
    ],
}

# --------------------------------------------------------------------------
# DOCX documents (full Unicode allowed)
# --------------------------------------------------------------------------

REMOTE_WORK = {
    "path": "policies/remote-work-policy.docx",
    "title": "Remote Work Policy",
    "author": "Inès Moreau",
    "blocks": [
        ("h1", "Remote Work Policy"),
        ("p", "Owner: Inès Moreau, Head of People Operations · Version 3.0 · Effective "
              "1 September 2025 · Consulted: works council (Belgium) and workers' "
              "commission (Portugal)."),
        ("h2", "1. Our hybrid model"),
        ("p", "Larkspur is a hybrid company. We believe that some work — hardware "
              "prototyping, lab testing on the HIL rigs, onboarding, planning days — is "
              "much better done together, and that focused work is often better done at "
              "home. Employees who live within 60 km of the Ghent, Porto or Austin "
              "office work from the office at least two days per week; teams agree on "
              "common office days (most teams chose Tuesday and Thursday). Lab and "
              "repair bench roles are office-based by nature. Fully remote contracts "
              "exist for people who live further away; they travel to the office for "
              "the quarterly all-hands and team planning days under the Travel Policy."),
        ("h2", "2. Working hours and availability"),
        ("bullets", [
            "Core hours are 10:00–16:00 local time, Monday to Friday. Outside core hours "
            "you organise your time, within the legal limits of your country.",
            "Keep your Slack status and calendar up to date, so colleagues know when "
            "you are available.",
            "You have the right to disconnect: nobody is expected to read or answer "
            "messages outside their working hours, except when on call in Nightjar.",
            "On-call engineers must be able to reach a laptop with a reliable internet "
            "connection within 15 minutes for SEV1 pages (see the Incident Response "
            "Policy).",
        ]),
        ("h2", "3. Allowances and equipment"),
        ("table", [
            ["", "Belgium", "Portugal", "USA"],
            ["Monthly home office allowance", "€150 (tax-free)", "€40", "$75"],
            ["Internet contribution", "€20 / month", "included above", "included above"],
            ["One-off equipment budget", "€600", "€600", "$650"],
            ["Laptop, headset, YubiKeys", "provided by IT", "provided by IT", "provided by IT"],
        ]),
        ("p", "The one-off equipment budget covers a desk chair, desk, monitor, keyboard "
              "and lighting. Claim it in Tally under 'Home office' with receipts; it can "
              "be used in several purchases within your first 12 months. Equipment with "
              "a network connection must be ordered through IT so that it can be managed, "
              "as required by the Information Security Policy. The budget renews after "
              "five years."),
        ("h2", "4. Working from another country"),
        ("p", "You may work from another EU country for up to 20 working days per "
              "calendar year, with your manager's approval and a PEO ticket in Quill at "
              "least two weeks in advance, so that People Operations can request the A1 "
              "social security certificate. Working from outside the EU, or longer "
              "than 20 days, needs approval from People Operations and Finance because of "
              "tax and permanent-establishment risks. Travel to countries on the security "
              "watch list for remote work is not allowed."),
        ("h2", "5. Security at home and on the road"),
        ("bullets", [
            "Use the company VPN (Larkspur Anywhere) on every network that is not your "
            "home network; it is enforced automatically for Confidential systems.",
            "Lock your screen whenever you leave your laptop, also at home.",
            "Do not work on Restricted data in public places such as trains or cafés, "
            "and do not take calls about customers or colleagues where others can hear.",
            "Family members must not use your company laptop.",
            "Printing Confidential documents at home is discouraged; shred them afterwards.",
        ]),
        ("h2", "6. Health and safety"),
        ("p", "Complete the ergonomic self-assessment in Hearth within your first month of "
              "remote work. The prevention advisor (Belgium) or the occupational health "
              "service (Portugal) can review your setup on request. Work-related "
              "accidents at home are covered by the occupational accident insurance when "
              "they happen during working hours at your registered home office address; "
              "keep that address up to date in Hearth."),
        ("h2", "7. Changes and exceptions"),
        ("p", "Managers can ask for more office presence for a limited period (for "
              "example during a product launch or the weeks before a firmware release). "
              "Permanent changes to an individual's arrangement are recorded as a "
              "contract addendum by People Operations."),
    ],
}

TERN = {
    "path": "products/tern-calibrator.docx",
    "title": "Tern TC-1 handheld calibrator — product sheet",
    "author": "Owen Gallagher",
    "blocks": [
        ("h1", "Tern TC-1 handheld calibrator"),
        ("p", "SKU LSP-TRN-TC1 · List price €1,180 / $1,290 · Product manager: Owen "
              "Gallagher · Current firmware: 2.2.0 (November 2025) · Status: Active"),
        ("h2", "Overview"),
        ("p", "The Tern TC-1 is a handheld reference instrument used to check and correct "
              "the calibration of Meridian and Stratus devices in the field, without "
              "taking them down from the wall or mast. It contains a temperature-"
              "stabilised dual-beam NDIR CO₂ reference sensor, a reference-grade "
              "temperature and humidity sensor, and a Bluetooth Low Energy radio that "
              "talks to the maintenance interface of the device being calibrated. Our "
              "own field engineers use Terns for the annual calibration service "
              "(LSP-SVC-CAL); customers with more than about 50 devices usually buy "
              "their own."),
        ("h2", "Specifications"),
        ("table", [
            ["Parameter", "Value"],
            ["CO₂ reference", "Dual-beam NDIR, 0–5,000 ppm, ±(20 ppm + 1.5 %)"],
            ["Temperature / humidity reference", "±0.1 °C / ±1.0 % RH"],
            ["Radio", "Bluetooth Low Energy 5.0"],
            ["Display", "3.5″ colour touch screen, readable in sunlight"],
            ["Battery", "Li-ion 5,000 mAh, about 10 hours of use, USB-C charging"],
            ["Weight", "520 g, 780 g with flow hood"],
            ["Storage", "10,000 calibration records; synced to Canopy via the Canopy mobile app"],
            ["Included", "Carrying case, flow hood for Meridian, USB-C cable, factory certificate"],
            ["Own calibration", "Annually at the Ghent lab, traceable to ISO/IEC 17025 standards (€240)"],
        ]),
        ("h2", "Supported devices"),
        ("p", "The Tern supports the devices below. Meridian 100 devices cannot be "
              "calibrated with the Tern; use the CK-1 gas kit for them. The "
              "authoritative list is the compatibility matrix."),
        ("bullets", [
            "Meridian 200 and 210 Pro with firmware 4.1 or later: CO₂ offset, "
            "temperature and humidity offsets.",
            "Stratus 400 with firmware 1.7 or later: temperature and humidity offsets "
            "only. Gas sensors are not calibrated with the Tern.",
            "Particulate matter, TVOC, NO₂ and formaldehyde sensors are factory calibrated "
            "on all products.",
        ]),
        ("h2", "Calibration workflow (Meridian)"),
        ("bullets", [
            "In Canopy, enable 'BLE maintenance' for the site or the device. It switches "
            "off automatically after 2 hours.",
            "On the Tern, choose 'Calibrate → Meridian' and select the device from the "
            "list of nearby devices (matched by serial number).",
            "Place the flow hood over the Meridian's air inlet. The Tern waits until "
            "both CO₂ readings are stable for 60 seconds — about 4 minutes in total.",
            "The Tern proposes an offset. If the offset is larger than 150 ppm, the "
            "device is flagged for inspection instead of being corrected automatically.",
            "Confirm. The offset is written to the device, and the record (device serial, "
            "offsets, Tern serial, date, technician) is synced to Canopy and ends up in "
            "Cistern in telemetry.calibrations.",
        ]),
        ("h2", "Selling notes"),
        ("p", "The break-even against our calibration service is at around two visits, "
              "so the Tern is attractive for customers with several sites. Bundle it with "
              "a half-day of training by a field engineer. Because the Tern replaces "
              "calibration gas for Meridian 200/210, it also avoids the logistics of "
              "shipping pressurised CK-1 cylinders, which cannot travel by air."),
        ("h2", "Known issues"),
        ("bullets", [
            "Firmware 2.1.x could not discover Meridians with BLE maintenance enabled "
            "through a site-wide setting; fixed in 2.2.0.",
            "In rooms with more than 40 Meridians in BLE range, the device list can take "
            "up to a minute to populate.",
        ]),
        ("p", "610 Terns were sold in 2025. A successor (working title TC-2) is being "
              "considered for the 2027 roadmap but has not been approved."),
    ],
}

ENGINEERING_PRACTICES = {
    "path": "handbook/engineering-practices.docx",
    "title": "Engineering practices",
    "author": "Tiago Carvalho",
    "blocks": [
        ("h1", "Engineering practices"),
        ("p", "Owner: Tiago Carvalho (CTO) · Maintained by the engineering managers · "
              "Version 2026.2 · Applies to Cloud Engineering, Firmware and Platform & "
              "Security. Hardware Engineering has its own design review process."),
        ("h2", "Principles"),
        ("bullets", [
            "Small changes, shipped often. A change that cannot be reviewed in 30 minutes "
            "is too big.",
            "Everything that runs in production is in a repository, builds in Forge and "
            "is deployed with a tool (shipit for services, Updraft for firmware).",
            "You build it, you run it: teams are on call for what they ship.",
            "Write things down: ADRs for decisions, runbooks for alerts, postmortems for "
            "incidents.",
        ]),
        ("h2", "Branching and code review"),
        ("p", "We use trunk-based development. Branches live for at most a few days and "
              "are merged to main through a pull request with at least one approving "
              "review and a green Forge pipeline. Firmware repositories require two "
              "reviews, one of them from the owning team. Reviewers look at correctness, "
              "tests, readability and operability (logs, metrics, alerts). Authors "
              "respond to every comment; 'nit:' comments may be ignored."),
        ("h2", "Testing"),
        ("p", "Unit tests run on every push. Integration tests for services run against "
              "ephemeral databases in Forge. Firmware changes must pass the HIL suites on "
              "the Porto rigs; any change to the update path or the flash layout must "
              "add or update a case in the ota-upgrade suite, a rule introduced after the "
              "Meridian 4.3.0 incident. Flaky tests are quarantined with a ticket, never "
              "just deleted."),
        ("h2", "Definition of done"),
        ("bullets", [
            "Code merged and deployed to production (services) or released to at least "
            "the first rollout wave (firmware).",
            "Metrics and alerts in place; every paging alert has a runbook link.",
            "The service catalogue entry is correct (owner, rotation, tier).",
            "User-facing changes are documented for Support and announced in "
            "#product-questions.",
            "Security-relevant changes were reviewed by team-security.",
        ]),
        ("h2", "Release stages"),
        ("table", [
            ["Stage", "Services (shipit)", "Firmware (Updraft)"],
            ["1", "staging, automatic from main", "Internal fleet: 400 devices in our offices"],
            ["2", "prod canary 5 %", "Wave 1: 1 % of customer fleet (mandatory for "
             "flash-layout changes)"],
            ["3", "prod canary 25 % → 50 %", "Wave 2: 10 % after 48 hours without regressions"],
            ["4", "prod 100 %", "Wave 3: 50 %, then 100 % after another 72 hours"],
        ]),
        ("p", "Firmware waves respect each customer's maintenance window in Canopy. The "
              "firmware-ota on-call watches the check-in rate; Updraft pages them if more "
              "than 2 % of a wave has not checked in after 45 minutes."),
        ("h2", "Architecture decisions"),
        ("p", "Decisions that are hard to reverse — a new datastore, a new external "
              "dependency, a new protocol between devices and cloud — need an ADR, "
              "presented at the Architecture Forum (every second Tuesday). Use the "
              "template in the architecture repository. ADR-007 (moving from Sump to "
              "Cistern) is a good example of the expected depth."),
        ("h2", "Dependencies and licences"),
        ("p", "Open-source dependencies must have a licence on the approved list (MIT, "
              "BSD, Apache-2.0, MPL-2.0). Copyleft licences in firmware need Legal "
              "approval. Forge generates an SBOM for every firmware build; Security "
              "monitors it for new vulnerabilities."),
        ("h2", "Documentation"),
        ("p", "Each repository has a README with how to build, test and deploy, and a "
              "link to its runbook. Tool documentation lives next to the tool. If you "
              "had to ask a colleague how something works, write the answer down where "
              "the next person will look."),
    ],
}

PRICING_COMMITTEE = {
    "path": "meetings/2026-03-11-pricing-committee.docx",
    "title": "Pricing committee — minutes 11 March 2026",
    "author": "Els Peeters",
    "blocks": [
        ("h1", "Pricing committee — minutes"),
        ("p", "Date: Wednesday 11 March 2026, 14:00–15:30 CET · Location: Ghent, room "
              "Leie, and video · Chair: Marc Dubois (CFO) · Members present: Dana "
              "Whitfield (VP Sales), Nadia Haddad (Head of Product), Els Peeters (Finance "
              "controller, minutes) · Invited: Owen Gallagher (PM Stratus/Relay/Tern), "
              "Hendrik Maes (EU Public Sector), Lotte Vermeulen (Sales Ops)"),
        ("h2", "1. Stratus 400 price increase"),
        ("p", "Owen presented the updated cost of goods for the Stratus 400. The "
              "ultrasonic wind sensor supplier raised its price by 18 % from January, "
              "and the new radiation shield adds €11 per unit. Gross margin on the "
              "standard Stratus 400 fell from 52 % to 47 %, below the 50 % target for "
              "outdoor hardware. Dana noted that the main competitors increased prices "
              "by 5–8 % in the last six months and that municipalities budget per year, "
              "so an April increase is easier than a mid-year one."),
        ("p", "Decision: increase the list prices from 1 April 2026 as in the table "
              "below. Quotes issued before 1 April remain valid until their expiry "
              "(maximum 60 days). The Flemish and Portuguese framework agreements keep "
              "2025 prices until their renewal in January 2027."),
        ("table", [
            ["SKU", "Product", "Old price (EUR)", "New price (EUR)", "Change"],
            ["LSP-STR-400", "Stratus 400", "€1,390", "€1,450", "+4.3 %"],
            ["LSP-STR-400-LTE", "Stratus 400 LTE", "€1,620", "€1,690", "+4.3 %"],
            ["LSP-ACC-SP20", "SP-20 solar kit", "€285", "€310", "+8.8 %"],
            ["LSP-MER-200-B10", "Meridian 200 ten-pack (new)", "—", "€2,690", "new"],
        ]),
        ("p", "US prices are set by Dana's team with the same percentage change, rounded "
              "to the nearest $10 (Stratus 400: $1,590; LTE: $1,850)."),
        ("h2", "2. Meridian 200 ten-pack for school tenders"),
        ("p", "Hendrik reported that we lost four school tenders in Flanders and the "
              "Netherlands in Q4 2025 on price per classroom. Nadia proposed a ten-pack: "
              "10 × Meridian 200, 10 × MK-2 mounts and 12 months of Canopy Basic for "
              "€2,690, compared to €3,550 when bought separately (10 × €289 + 10 × €24 "
              "+ 10 × 12 × €3.50). The margin stays above 45 % "
              "thanks to reduced packaging and handling. The committee approved the "
              "bundle from 1 April 2026. Education discount on Canopy applies only from "
              "year two for bundles."),
        ("h2", "3. Deal approvals above 20 % discount"),
        ("bullets", [
            "Port of Rotterdam — expansion from 12 to 40 Stratus 400 stations with the "
            "SO₂ module, requested discount 28 %. Approved at 25 % on hardware, conditional "
            "on a 3-year Canopy Enterprise commitment.",
            "Universidade do Minho — 120 Meridian 210 Pro for a research project, "
            "requested 30 %. Approved at 22 % (education); the research data sharing "
            "agreement must be reviewed by Legal and the DPO first.",
            "A US reseller (Clearview Building Systems) asked for 35 % distributor "
            "margin. Not approved; standard distributor terms are 25 %. Dana to "
            "propose a volume tier instead.",
        ]),
        ("h2", "4. Proposal: free Canopy tier"),
        ("p", "Sales Ops proposed a free Canopy tier for up to 3 devices with 30 days of "
              "retention, to make Meridian attractive to small offices. Finance and "
              "Product were concerned about support costs and cannibalisation of Canopy "
              "Basic. Not approved; Nadia will look at it again in the context of the "
              "2027 roadmap."),
        ("h2", "5. Canopy prices"),
        ("p", "No change in 2026. Canopy Basic (€3.50) and Pro (€8.00) per device per "
              "month remain as in 2025."),
        ("h2", "Action items"),
        ("table", [
            ["#", "Action", "Owner", "Due"],
            ["1", "Publish the 2026 price list (effective 1 April) to Sales and the website",
             "Lotte Vermeulen", "2026-03-25"],
            ["2", "Update Stratus product page and datasheet with new prices", "Owen Gallagher",
             "2026-03-31"],
            ["3", "Create SKU LSP-MER-200-B10 in the ERP and Canopy billing", "Els Peeters",
             "2026-03-25"],
            ["4", "Inform framework-agreement customers that prices are unchanged",
             "Hendrik Maes", "2026-03-31"],
            ["5", "Volume tier proposal for US resellers", "Dana Whitfield", "2026-04-08"],
        ]),
        ("p", "Next meeting: Wednesday 8 April 2026, 14:00 CET."),
    ],
}

PDF_DOCS = [PROCUREMENT_POLICY, FIRMWARE_SIGNING, PRODUCT_LIFECYCLE, BENEFITS]
DOCX_DOCS = [REMOTE_WORK, TERN, ENGINEERING_PRACTICES, PRICING_COMMITTEE]


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

class _Pdf(FPDF):
    def footer(self) -> None:  # noqa: D401 - fpdf hook
        self.set_y(-15)
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 10, f"Larkspur Instruments - Internal - page {self.page_no()}",
                  align="C")
        self.set_text_color(0, 0, 0)


def _check_latin1(text: str, where: str) -> str:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise SystemExit(f"non latin-1 character in {where}: {text[exc.start:exc.end]!r}")
    return text


def render_pdf(doc: dict, out: Path) -> None:
    pdf = _Pdf(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(doc["title"])
    pdf.set_author(doc["author"])
    pdf.set_creator("scripts/make_example_binaries.py")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    where = doc["path"]
    for kind, content in doc["blocks"]:
        if kind in ("h1", "h2", "h3"):
            size = {"h1": 18, "h2": 13, "h3": 11}[kind]
            pdf.ln(3 if kind != "h1" else 0)
            pdf.set_font("Helvetica", "B", size)
            pdf.multi_cell(0, size * 0.5, _check_latin1(content, where),
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1.5)
        elif kind == "p":
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 5, _check_latin1(content, where),
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
        elif kind == "bullets":
            pdf.set_font("Helvetica", "", 10)
            for item in content:
                pdf.set_x(pdf.l_margin + 4)
                pdf.multi_cell(0, 5, "- " + _check_latin1(item, where),
                               new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(0.8)
            pdf.ln(1.5)
        elif kind == "table":
            pdf.set_font("Helvetica", "", 9)
            with pdf.table(line_height=4.8, text_align="LEFT",
                           first_row_as_headings=True) as table:
                for row_cells in content:
                    row = table.row()
                    for cell in row_cells:
                        row.cell(_check_latin1(cell, where))
            pdf.ln(3)
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and sorted-by-original order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o644 << 16
            dst.writestr(new, src.read(info.filename))
    return buf.getvalue()


def render_docx(doc: dict, out: Path) -> None:
    d = docx.Document()
    style = d.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    props = d.core_properties
    props.title = doc["title"]
    props.author = doc["author"]
    props.last_modified_by = doc["author"]
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    for kind, content in doc["blocks"]:
        if kind in ("h1", "h2", "h3"):
            d.add_heading(content, level={"h1": 1, "h2": 2, "h3": 3}[kind])
        elif kind == "p":
            d.add_paragraph(content)
        elif kind == "bullets":
            for item in content:
                d.add_paragraph(item, style="List Bullet")
        elif kind == "table":
            table = d.add_table(rows=len(content), cols=len(content[0]))
            table.style = "Table Grid"
            for r, row_cells in enumerate(content):
                for c, text in enumerate(row_cells):
                    cell = table.cell(r, c)
                    cell.text = text
                    if r == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    buf = io.BytesIO()
    d.save(buf)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(_normalise_zip(buf.getvalue()))


def main() -> None:
    repo_root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=repo_root / "examples" / "corpus",
                        help="corpus root directory (default: examples/corpus)")
    args = parser.parse_args()
    for doc in PDF_DOCS:
        target = args.out / doc["path"]
        render_pdf(doc, target)
        print(f"wrote {target}")
    for doc in DOCX_DOCS:
        target = args.out / doc["path"]
        render_docx(doc, target)
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
