"""The rows of the code table that say whether a condition is a hip's, and which hip. Pure.

- Coxarthrosis (ICD-10 M16, WHO and ICD-10-CM) is a hip's by its code. Where the code gives
  the side it is read (``Use.LATERALITY``): WHO's bilateral subcodes and ICD-10-CM's bilateral,
  right and left ones. Dysplastic coxarthrosis is read as dysplasia (a caution for BHR, TGA
  2015); "other secondary" coxarthrosis (after avascular necrosis, inflammatory disease...) as
  "other", never as plain osteoarthritis, so it cannot pass the indication unchecked.
- Osteonecrosis (M87) can be of any bone. A WHO code, or an ICD-10-CM one that names no bone
  (unspecified bone, multiple sites, M87.9), is ``Use.BONE_CONDITION``: a hip's only where the
  condition's body site is a hip (``Use.HIP_SITE``). An ICD-10-CM code naming the femur is a
  hip's, with the side it names; one naming another bone (the pelvis, a shoulder...) never is.
  ICD-10-CM's femur codes also hold the distal femur (the knee's condyles): a body site naming
  another place takes the hip away (``cds.domain.conditions``).
- WHO's optional fifth-character site subclassification is not read: its site 5, "pelvic region
  and thigh", holds the pelvis, femur, buttock, hip joint and sacroiliac joint (WHO ICD-10
  chapter XIII, site subclassification; German edition at gloggnitzer.com/icd-10/Sub.XIII.1),
  so it names no hip on its own.
"""

from coxa.terminology.kinds import Code, System, Use

HIP_SOURCES = {
    "who-icd-10-m16": "WHO ICD-10 2019, M16 Coxarthrosis [arthrosis of hip]: M16.0 Primary "
    "coxarthrosis, bilateral; M16.1 Other primary; M16.2 Coxarthrosis resulting from dysplasia, "
    "bilateral; M16.3 Other dysplastic; M16.4 Post-traumatic, bilateral; M16.5 Other "
    "post-traumatic; M16.6 Other secondary, bilateral; M16.7 Other secondary; M16.9 unspecified "
    "(as ICD-10-GM keeps them, sanomedica.com/hip-osteoarthritis-coxarthrosis; M16.1 as "
    "ICD-10-AM, health.govt.nz coding query 'Osteoarthritis unilateral or bilateral'); WHO's own "
    "browser page for M16 was not at hand: re-check M16.4 and M16.6 there",
    "icd-10-cm-m16": "ICD-10-CM (CMS/NCHS) M16 Osteoarthritis of hip: M16.0, M16.2, M16.4 and "
    "M16.6 bilateral; M16.1-, M16.3- and M16.5- unilateral with 0 unspecified, 1 right, 2 left "
    "hip; M16.7 unilateral without a side; M16.9 unspecified (tabular as transcribed in "
    "github.com/medtrack-io/icd_code lib/codes/codes_m16.ex)",
    "icd-10-cm-m87": "ICD-10-CM (CMS/NCHS) M87 Osteonecrosis, pelvis and femur codes of each "
    "subcategory: 0 pelvis, 1 right femur, 2 left femur, unspecified femur M87.059, M87.159, "
    "M87.256, M87.353, M87.859; unspecified bone M87.00-M87.80, multiple sites M87.09-M87.89, "
    "M87.9 (tabular as transcribed in github.com/medtrack-io/icd_code lib/codes/codes_m87.ex; "
    "M87.052 and M87.256 as icdlist.com/icd-10/M87.052 and hccbuddy.com/icd10/M87.256 give them)",
    "dicom-hip-sites": "DICOM PS3.16 context groups in FHIR (github.com/bvdh/dicom-terminology-"
    "in-fhir): CID 4031 Common Anatomic Regions, SNOMED CT 29836001 Hip and 24136001 Hip Joint; "
    "CID 7304 Implant Target Anatomy, 2812003 Head of Femur; 24136001 Hip joint structure also "
    "in HL7 Europe HDR example BodyStructure-bodystructure-left-hip",
    "ihe-pcc-hip-sides": "IHE PCC mobile Paramedicine Summary of Care, value set Physical "
    "Finding of Extremities Target Site (build.fhir.org/ig/IHE/PCC.PCS): SNOMED CT 287679003 "
    "Left hip region structure, 287579007 Right hip region structure",
}

I10, CM, S = System.ICD_10, System.ICD_10_CM, System.SNOMED_CT
C, B, L, H = Use.CONDITION, Use.BONE_CONDITION, Use.LATERALITY, Use.HIP_SITE
OA, AVN = "osteoarthritis", "avascular-necrosis"
W16, CM16, CM87 = "who-icd-10-m16", "icd-10-cm-m16", "icd-10-cm-m87"

HIP_CODES: tuple[Code, ...] = (
    # WHO ICD-10: coxarthrosis, and the side its bilateral subcodes give
    Code(I10, "M16", "Coxarthrosis [arthrosis of hip]", C, OA, W16, group=True),
    Code(I10, "M16.2", "Coxarthrosis resulting from dysplasia, bilateral", C, "dysplasia", W16),
    Code(I10, "M16.3", "Other dysplastic coxarthrosis", C, "dysplasia", W16),
    Code(I10, "M16.6", "Other secondary coxarthrosis, bilateral", C, "other", W16),
    Code(I10, "M16.7", "Other secondary coxarthrosis", C, "other", W16),
    Code(I10, "M16.0", "Primary coxarthrosis, bilateral", L, "both", W16),
    Code(I10, "M16.2", "Coxarthrosis resulting from dysplasia, bilateral", L, "both", W16),
    Code(I10, "M16.4", "Post-traumatic coxarthrosis, bilateral", L, "both", W16),
    Code(I10, "M16.6", "Other secondary coxarthrosis, bilateral", L, "both", W16),
    # WHO ICD-10: osteonecrosis of any bone (block M86-M90)
    Code(I10, "M87", "Osteonecrosis", B, AVN, "who-icd-10", group=True),
    # ICD-10-CM: osteoarthritis of hip, and the side its subcodes give
    Code(CM, "M16", "Osteoarthritis of hip", C, OA, CM16, group=True),
    Code(CM, "M16.2", "Bilateral osteoarthritis resulting from hip dysplasia", C, "dysplasia",
         CM16),
    Code(CM, "M16.3", "Unilateral osteoarthritis resulting from hip dysplasia", C, "dysplasia",
         CM16, group=True),
    Code(CM, "M16.6", "Other bilateral secondary osteoarthritis of hip", C, "other", CM16),
    Code(CM, "M16.7", "Other unilateral secondary osteoarthritis of hip", C, "other", CM16),
    Code(CM, "M16.0", "Bilateral primary osteoarthritis of hip", L, "both", CM16),
    Code(CM, "M16.2", "Bilateral osteoarthritis resulting from hip dysplasia", L, "both", CM16),
    Code(CM, "M16.4", "Bilateral post-traumatic osteoarthritis of hip", L, "both", CM16),
    Code(CM, "M16.6", "Other bilateral secondary osteoarthritis of hip", L, "both", CM16),
    Code(CM, "M16.11", "Unilateral primary osteoarthritis, right hip", L, "right", CM16),
    Code(CM, "M16.12", "Unilateral primary osteoarthritis, left hip", L, "left", CM16),
    Code(CM, "M16.31", "Unilateral osteoarthritis resulting from hip dysplasia, right hip", L,
         "right", CM16),
    Code(CM, "M16.32", "Unilateral osteoarthritis resulting from hip dysplasia, left hip", L,
         "left", CM16),
    Code(CM, "M16.51", "Unilateral post-traumatic osteoarthritis, right hip", L, "right", CM16),
    Code(CM, "M16.52", "Unilateral post-traumatic osteoarthritis, left hip", L, "left", CM16),
    # ICD-10-CM: osteonecrosis of the femur, a hip's, and its side
    Code(CM, "M87.051", "Idiopathic aseptic necrosis of right femur", C, AVN, CM87),
    Code(CM, "M87.052", "Idiopathic aseptic necrosis of left femur", C, AVN, CM87),
    Code(CM, "M87.059", "Idiopathic aseptic necrosis of unspecified femur", C, AVN, CM87),
    Code(CM, "M87.151", "Osteonecrosis due to drugs, right femur", C, AVN, CM87),
    Code(CM, "M87.152", "Osteonecrosis due to drugs, left femur", C, AVN, CM87),
    Code(CM, "M87.159", "Osteonecrosis due to drugs, unspecified femur", C, AVN, CM87),
    Code(CM, "M87.251", "Osteonecrosis due to previous trauma, right femur", C, AVN, CM87),
    Code(CM, "M87.252", "Osteonecrosis due to previous trauma, left femur", C, AVN, CM87),
    Code(CM, "M87.256", "Osteonecrosis due to previous trauma, unspecified femur", C, AVN, CM87),
    Code(CM, "M87.351", "Other secondary osteonecrosis, right femur", C, AVN, CM87),
    Code(CM, "M87.352", "Other secondary osteonecrosis, left femur", C, AVN, CM87),
    Code(CM, "M87.353", "Other secondary osteonecrosis, unspecified femur", C, AVN, CM87),
    Code(CM, "M87.851", "Other osteonecrosis, right femur", C, AVN, CM87),
    Code(CM, "M87.852", "Other osteonecrosis, left femur", C, AVN, CM87),
    Code(CM, "M87.859", "Other osteonecrosis, unspecified femur", C, AVN, CM87),
    Code(CM, "M87.051", "Idiopathic aseptic necrosis of right femur", L, "right", CM87),
    Code(CM, "M87.151", "Osteonecrosis due to drugs, right femur", L, "right", CM87),
    Code(CM, "M87.251", "Osteonecrosis due to previous trauma, right femur", L, "right", CM87),
    Code(CM, "M87.351", "Other secondary osteonecrosis, right femur", L, "right", CM87),
    Code(CM, "M87.851", "Other osteonecrosis, right femur", L, "right", CM87),
    Code(CM, "M87.052", "Idiopathic aseptic necrosis of left femur", L, "left", CM87),
    Code(CM, "M87.152", "Osteonecrosis due to drugs, left femur", L, "left", CM87),
    Code(CM, "M87.252", "Osteonecrosis due to previous trauma, left femur", L, "left", CM87),
    Code(CM, "M87.352", "Other secondary osteonecrosis, left femur", L, "left", CM87),
    Code(CM, "M87.852", "Other osteonecrosis, left femur", L, "left", CM87),
    # ICD-10-CM: osteonecrosis naming no bone, a hip's only where its body site says so
    Code(CM, "M87.9", "Osteonecrosis, unspecified", B, AVN, CM87),
    Code(CM, "M87.00", "Idiopathic aseptic necrosis of unspecified bone", B, AVN, CM87),
    Code(CM, "M87.10", "Osteonecrosis due to drugs, unspecified bone", B, AVN, CM87),
    Code(CM, "M87.20", "Osteonecrosis due to previous trauma, unspecified bone", B, AVN, CM87),
    Code(CM, "M87.30", "Other secondary osteonecrosis, unspecified bone", B, AVN, CM87),
    Code(CM, "M87.80", "Other osteonecrosis, unspecified bone", B, AVN, CM87),
    Code(CM, "M87.09", "Idiopathic aseptic necrosis of bone, multiple sites", B, AVN, CM87),
    Code(CM, "M87.19", "Osteonecrosis due to drugs, multiple sites", B, AVN, CM87),
    Code(CM, "M87.29", "Osteonecrosis due to previous trauma, multiple sites", B, AVN, CM87),
    Code(CM, "M87.39", "Other secondary osteonecrosis, multiple sites", B, AVN, CM87),
    Code(CM, "M87.89", "Other osteonecrosis, multiple sites", B, AVN, CM87),
    # SNOMED CT body sites that are a hip, with the side the lateral ones give
    Code(S, "24136001", "Hip joint structure", H, "hip", "dicom-hip-sites"),
    Code(S, "29836001", "Hip region structure", H, "hip", "dicom-hip-sites"),
    Code(S, "2812003", "Structure of head of femur", H, "hip", "dicom-hip-sites"),
    Code(S, "287679003", "Left hip region structure", H, "left", "ihe-pcc-hip-sides"),
    Code(S, "287579007", "Right hip region structure", H, "right", "ihe-pcc-hip-sides"),
)  # fmt: skip
del I10, CM, S, C, B, L, H, OA, AVN, W16, CM16, CM87
