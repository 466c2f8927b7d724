"""The texts the school's policy gives for signing, as first seeded.

Copied word for word from the Acceptable Use of IT policy (approved 24 November 2020):
section 8 (laptops issued to staff), section 10 (other school IT equipment) and the
declaration of the Acceptable Use Agreement - Staff. They are the first version of each
text; admins edit later versions in the app. Migration 0002 seeds the same words.
"""

LAPTOP_TITLE = "Laptops issued to staff (policy section 8)"
LAPTOP_TERMS = (
    "8.1 The laptop remains the property of the School and is provided to users on a loaned"
    " basis. The laptop provided must not be used by any person(s) other than the "
    "authorised user to whom it has been allocated.\n\n"
    "8.2 School laptops have a predetermined list of software installed on the hard drive. "
    "No addition or deletion of any software or hardware is permitted without the express "
    "permission of the Head Teacher or School IT Technician. To ensure that security "
    "patches and virus definitions are up to date staff should connect the laptop to the "
    "School network on a regular basis.\n\n"
    "8.3 All reasonable care should be taken to prevent loss, damage, theft or unauthorised"
    " use of IT equipment as far as is practical. For example, the laptop should never be "
    "left in a vehicle overnight or other unsecured, vulnerable situation. Any loss or "
    "damage to School IT equipment should be immediately reported to the Head Teacher or "
    "School IT Technician.\n\n"
    "8.4 When a contract of employment at the School ends, the employee must return all "
    "computer equipment and software to the School IT Technician in full working condition."
    " The user account and all personal work stored on the laptop will then be securely "
    "deleted.\n\n"
    "8.5 If software/hardware problems arise, the laptop may need to be restored to its "
    "original settings. Work files may be lost during the restoration process, therefore it"
    " is the responsibility of all users to ensure that backups of all files are regularly "
    "made to an external device, such as the School's networked server or encrypted mobile "
    "device.\n\n"
    "8.6 Where there is evidence that the laptop has not been used in accordance with the "
    "above guidelines, a charge may be made for the replacement or repair of any School "
    "laptop whilst on loan."
)

EQUIPMENT_TITLE = "Use of other school IT equipment (policy section 10)"
EQUIPMENT_TERMS = (
    "10.1 Users who borrow equipment from the School must sign for it and bear the "
    "responsibility for its care. Loan equipment should be concealed and stored securely "
    "when not in use. Any loss or damage to equipment on loan should be immediately "
    "reported to the Head Teacher or School IT Technician in the first instance and any "
    "theft or criminal damage should be reported to the Police.\n\n"
    "10.2 To prevent data loss and ensure consistent application of School policies no "
    "personally owned equipment should be attached to the School's network without the "
    "permission of the Head Teacher. All mobile devices must be encrypted or password "
    "protected wherever technology allows."
)

DECLARATION_TITLE = "Acceptable Use Agreement - Staff: declaration"
DECLARATION = (
    "I confirm that I have received appropriate training, read and understood the School "
    "Staff IT Acceptable Use policy on the use of IT resources."
)

FIRST_VERSIONS = {
    "laptop": (LAPTOP_TITLE, LAPTOP_TERMS),
    "equipment": (EQUIPMENT_TITLE, EQUIPMENT_TERMS),
    "declaration": (DECLARATION_TITLE, DECLARATION),
}
